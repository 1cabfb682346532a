set -euo pipefail

az aks nodepool add \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name userpool \
  --max-surge 33% \
  --drain-timeout 60 \
  --node-soak-duration 5 \
  --undrainable-node-behavior Cordon
